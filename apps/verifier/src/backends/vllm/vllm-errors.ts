// How a failed call to a vLLM server becomes a protocol error. Each message
// names the server, what happened and what an operator
// can change; the API key is never part of it. A round is never retried here:
// the client resends the draft (BACKEND_TIMEOUT) or resumes elsewhere.

import { ErrorCode, SpecSteerError } from '@specsteer/protocol';
import { VLLM_VARIABLES } from './vllm-variables.ts';
import { parseVllmErrorBody } from './vllm-wire.ts';

/** The cloud model a vLLM server serves: the target p (the device computes s). */
export type VllmRole = 'target';

/** The environment variable an operator changes for the server. */
const URL_VARIABLE: Record<VllmRole, string> = { target: VLLM_VARIABLES.targetUrl };
const KEY_VARIABLE: Record<VllmRole, string> = { target: VLLM_VARIABLES.targetApiKey };

export interface VllmCallSite {
  role: VllmRole;
  /** e.g. `POST /v1/completions` */
  call: string;
  baseUrl: string;
  timeoutMs: number;
}

function where(site: VllmCallSite): string {
  return `vLLM ${site.role} (${site.baseUrl}) ${site.call}`;
}

function errorData(
  site: VllmCallSite,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { backend: 'vllm', role: site.role, ...extra };
}

/** fetch rejected: the request timed out, or no HTTP answer came back at all. */
export function transportError(site: VllmCallSite, error: unknown): SpecSteerError {
  if (isTimeout(error)) {
    return new SpecSteerError(
      ErrorCode.BACKEND_TIMEOUT,
      `${where(site)} gave no answer within ${site.timeoutMs} ms; the round was not applied. ` +
        `If the server is overloaded add replicas; if long prompts are slow raise ${VLLM_VARIABLES.timeoutMs}.`,
      errorData(site, { timeoutMs: site.timeoutMs }),
    );
  }
  const reason = networkReason(error);
  return new SpecSteerError(
    ErrorCode.BACKEND_UNAVAILABLE,
    `${where(site)} failed: ${reason}. Check that the server is running and ${URL_VARIABLE[site.role]} points at it.`,
    errorData(site, { reason }),
  );
}

/** vLLM answered with a non-2xx status. */
export function httpError(site: VllmCallSite, status: number, body: unknown): SpecSteerError {
  const vllm = parseVllmErrorBody(body);
  const detail = vllm
    ? vllm.message
    : typeof body === 'string' && body !== ''
      ? body.slice(0, 300)
      : 'no error body';
  const data = errorData(site, {
    status,
    ...(vllm?.type !== undefined && { vllmType: vllm.type }),
    ...(vllm !== undefined && { vllmMessage: vllm.message }),
  });
  if (status === 401 || status === 403) {
    return new SpecSteerError(
      ErrorCode.BACKEND_UNAVAILABLE,
      `${where(site)} refused the API key (${status} ${detail}). Set ${KEY_VARIABLE[site.role]} to the server's --api-key.`,
      data,
    );
  }
  if (status === 404) {
    return new SpecSteerError(
      ErrorCode.BACKEND_UNAVAILABLE,
      `${where(site)} answered 404 (${detail}). Check the served model name and that ${URL_VARIABLE[site.role]} is the server root (no /v1).`,
      data,
    );
  }
  if (status >= 400 && status < 500) {
    // vLLM refused a request the verifier built: a misconfiguration (e.g. a
    // top-K cap above --max-logprobs, a prompt above --max-model-len) or a bug.
    return new SpecSteerError(
      ErrorCode.INTERNAL,
      `${where(site)} refused the request (${status} ${detail}). Check that ${VLLM_VARIABLES.maxTopK} ≤ the server's --max-logprobs ` +
        `and that prompt + output tokens fit its --max-model-len.`,
      data,
    );
  }
  return new SpecSteerError(
    ErrorCode.BACKEND_UNAVAILABLE,
    `${where(site)} failed with ${status} (${detail}). The server is starting, overloaded or broken: see its log.`,
    data,
  );
}

/** vLLM answered 2xx with a body the verifier cannot use. */
export function malformedResponse(site: VllmCallSite, problem: string): SpecSteerError {
  return new SpecSteerError(
    ErrorCode.INTERNAL,
    `${where(site)} sent an answer the verifier cannot read: ${problem}. Use a vLLM version this verifier supports (see docs/deploy.md).`,
    errorData(site),
  );
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

/** A short reason from undici's "fetch failed" TypeError and its cause chain. */
function networkReason(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = (current as Error & { code?: unknown }).code;
    parts.push(typeof code === 'string' ? `${code}: ${current.message}` : current.message);
    current = (current as Error & { cause?: unknown }).cause;
  }
  return parts.length > 0 ? parts.join(' ← ') : String(error);
}
