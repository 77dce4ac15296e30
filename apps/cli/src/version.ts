import manifest from '../package.json' with { type: 'json' };

/** This CLI's version (its package.json): printed by --version and sent in hello. */
export const CLI_VERSION: string = manifest.version;
