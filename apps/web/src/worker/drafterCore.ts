// The drafter as the worker runs it (specsteer/2): a device sequence holds
// BOS + private context + public prompt + committed output + the draft; a
// reference sequence (a second model instance on the same small GGUF) holds
// the public prompt + committed output + draft, and gives s at each draft
// position. When the device context has no private part, s is q itself.

import { isPublicOnly, type Distribution, type TokenId } from '@specsteer/core';
import { KvSequence, type KvModel } from './kvSequence.ts';
import { WorkerProtocolError } from './protocol.ts';

export class DrafterCore {
  private readonly device: KvSequence;
  private readonly reference: KvSequence | null;
  private deviceContext: TokenId[] | null = null;
  private publicContext: TokenId[] = [];
  private drafted: TokenId[] = [];
  private committed: TokenId[] = [];

  constructor(deviceModel: KvModel, referenceModel: KvModel | null) {
    this.device = new KvSequence(deviceModel);
    this.reference = referenceModel === null ? null : new KvSequence(referenceModel);
  }

  get vocabSize(): number {
    return this.device.model.vocabSize;
  }

  /** Tokens decoded by both sequences since load (prefill included). */
  get evaluated(): number {
    return this.device.evaluated + (this.reference?.evaluated ?? 0);
  }

  /** Engine time of both sequences since load (ms). */
  get engineMs(): number {
    return this.device.engineMs + (this.reference?.engineMs ?? 0);
  }

  /** Same private-free context on both sides: s = q exactly, no second pass. */
  get referenceIsDraft(): boolean {
    return isPublicOnly({ device: this.deviceContext ?? [], public: this.publicContext });
  }

  async begin(device: readonly TokenId[], publicTokens: readonly TokenId[]): Promise<number> {
    this.checkTokens(device, 'begin.device');
    this.checkTokens(publicTokens, 'begin.public');
    const before = this.evaluated;
    this.deviceContext = [...device];
    this.publicContext = [...publicTokens];
    this.committed = [];
    this.drafted = [];
    await this.device.moveTo(this.deviceContext);
    return this.evaluated - before;
  }

  async draftStart(committed: readonly TokenId[]): Promise<Distribution> {
    const context = this.requireBegun();
    this.checkTokens(committed, 'draftStart.committed');
    this.committed = [...committed];
    this.drafted = [];
    return this.device.moveTo([...context, ...this.committed]);
  }

  async step(token: TokenId): Promise<Distribution> {
    const context = this.requireBegun();
    this.checkTokens([token], 'step.token');
    this.drafted.push(token);
    return this.device.moveTo([...context, ...this.committed, ...this.drafted]);
  }

  /** s_1..s_{n+1} for `tokens` after `committed`, on the public context; null when s = q. */
  async references(
    committed: readonly TokenId[],
    tokens: readonly TokenId[],
  ): Promise<Distribution[] | null> {
    this.requireBegun();
    this.checkTokens(committed, 'references.committed');
    this.checkTokens(tokens, 'references.tokens');
    if (this.referenceIsDraft) return null;
    if (this.reference === null) {
      throw new WorkerProtocolError(
        'NOT_LOADED',
        'the device context has a private part but no reference model is loaded',
      );
    }
    const target = [...this.publicContext, ...committed, ...tokens];
    return this.reference.scoreTail(target, tokens.length + 1);
  }

  private requireBegun(): TokenId[] {
    if (this.deviceContext === null) {
      throw new WorkerProtocolError('BAD_REQUEST', 'no generation begun; send begin first');
    }
    return this.deviceContext;
  }

  private checkTokens(tokens: readonly TokenId[], what: string): void {
    const bad = tokens.findIndex((t) => !Number.isInteger(t) || t < 0 || t >= this.vocabSize);
    if (bad >= 0) {
      throw new WorkerProtocolError(
        'BAD_REQUEST',
        `${what}[${bad}] is ${tokens[bad]}, not a token id below ${this.vocabSize}`,
      );
    }
  }
}
