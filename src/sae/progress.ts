/** Re-exports of the shared progress helper (src/store/progress.ts) under their historical path. */
export {
  formatDuration,
  progressWanted,
  ProgressLine,
  ProgressTask,
  progressTask,
  type ProgressStream,
} from "../store/progress.js";
