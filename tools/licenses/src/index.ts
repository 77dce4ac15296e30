export { POLICY } from './policy.ts';
export { judge, parseSpdx, type Policy, type Verdict } from './spdx.ts';
export {
  checkLicenses,
  installedLicenses,
  tally,
  type InstalledPackage,
  type Violation,
} from './installed.ts';
