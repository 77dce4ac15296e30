export {
  createLlamaCppBackend,
  type LlamaCppBackend,
  type LlamaCppBackendOptions,
} from './create-llamacpp-backend.ts';
