// Put in the place of src/data/import-history.ts by bench/history.ts's
// baseline run (a module resolve hook): the imports write their rows exactly
// as they do, and no change history at all. Never imported by the app.
import type { ImportRecorder } from "../src/data/import-history.js";

const nothing = async () => {};

export function importRecorder(): ImportRecorder {
  return {
    locations: nothing,
    project: nothing,
    entities: nothing,
    interfaces: nothing,
    communications: async (_projectId, _rows, write) => {
      await write();
    },
  };
}
