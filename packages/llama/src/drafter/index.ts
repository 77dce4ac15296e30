export { LlamaDrafter, toDistribution, type LlamaDrafterOptions } from './llama-drafter.ts';
