// A small evaluator for the SPDX license expressions npm packages declare
// ("MIT", "(MIT OR Apache-2.0)", "Apache-2.0 WITH LLVM-exception").

/** How a license may be used here: in anything we ship, only in development tools, or not at all. */
export type Verdict = 'allowed' | 'dev-only' | 'denied';

export type Policy = {
  /** Permissive licenses compatible with distributing SpecSteer under Apache-2.0. */
  allowed: readonly string[];
  /** Licenses acceptable for tools that run on a developer's machine and are never shipped. */
  devOnly: readonly string[];
};

const RANK: Record<Verdict, number> = { denied: 0, 'dev-only': 1, allowed: 2 };

type Node = { kind: 'license'; id: string } | { kind: 'and' | 'or'; left: Node; right: Node };

/** Parses an SPDX expression; throws on anything else (a URL, "SEE LICENSE IN …", "Unknown"). */
export function parseSpdx(expression: string): Node {
  const tokens = expression.match(/\(|\)|[^\s()]+/g) ?? [];
  let at = 0;
  const peek = () => tokens[at];
  const fail = (why: string): never => {
    throw new Error(`not an SPDX expression (${why}): ${JSON.stringify(expression)}`);
  };
  const atom = (): Node => {
    const token = tokens[at++];
    if (token === undefined) return fail('ends early');
    if (token === '(') {
      const inner = or();
      if (tokens[at++] !== ')') fail('unbalanced parenthesis');
      return inner;
    }
    if (!/^[A-Za-z0-9][A-Za-z0-9.+-]*$/.test(token) || /^(AND|OR|WITH)$/.test(token))
      return fail(`unexpected ${JSON.stringify(token)}`);
    // An exception ("WITH LLVM-exception") only grants more permissions: the base license decides.
    if (peek() === 'WITH') {
      at++;
      if (tokens[at++] === undefined) fail('WITH without an exception');
    }
    return { kind: 'license', id: token };
  };
  const and = (): Node => {
    let left = atom();
    while (peek() === 'AND') {
      at++;
      left = { kind: 'and', left, right: atom() };
    }
    return left;
  };
  const or = (): Node => {
    let left = and();
    while (peek() === 'OR') {
      at++;
      left = { kind: 'or', left, right: and() };
    }
    return left;
  };
  const tree = or();
  if (at !== tokens.length) fail(`unexpected ${JSON.stringify(tokens[at])}`);
  return tree;
}

/** The verdict for an expression: OR takes the best alternative, AND the worst part. */
export function judge(expression: string, policy: Policy): Verdict {
  let tree: Node;
  try {
    tree = parseSpdx(expression);
  } catch {
    return 'denied';
  }
  const visit = (node: Node): Verdict => {
    if (node.kind === 'license') {
      // "GPL-2.0+" / "-or-later" are still the GPL: no suffix makes a denied license allowed.
      if (policy.allowed.includes(node.id)) return 'allowed';
      if (policy.devOnly.includes(node.id)) return 'dev-only';
      return 'denied';
    }
    const [a, b] = [visit(node.left), visit(node.right)];
    const pick = node.kind === 'or' ? Math.max : Math.min;
    return a === b ? a : RANK[a] === pick(RANK[a], RANK[b]) ? a : b;
  };
  return visit(tree);
}
