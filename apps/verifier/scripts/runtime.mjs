// What the compiled verifier (dist/server.mjs) imports at run time besides
// Node's built-ins: build.mjs leaves these out of the bundle, assemble-image.mjs
// copies exactly these (and their dependencies) into the image.
export const RUNTIME_EXTERNALS = ['node-llama-cpp'];
