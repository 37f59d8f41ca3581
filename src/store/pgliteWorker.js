// Entry of the embedded store's thread (see pgliteThread.ts). Workers do not inherit a loader
// registered through tsx's API (bin/safeground.js), so this plain module registers it, as the
// CLI does, and then loads the TypeScript.
import { register } from 'tsx/esm/api';

register();
await import('./pgliteThread.ts');
