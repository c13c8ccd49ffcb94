/** Train/validation/test splits: held-out users, leave-k-out, sequential leave-one-out. */
export {
  heldOutUsersSplit,
  type HeldOutPart,
  type HeldOutUsersOptions,
  type HeldOutUsersSplit,
} from "./heldOutUsers.js";
export { leaveKOutSplit, type LeaveKOutOptions, type LeaveKOutSplit } from "./leaveKOut.js";
export {
  leaveOneOutSequences,
  sequenceInputs,
  sequencesToCsr,
  timeOrderedItems,
  targetsToCsr,
  type SequenceSplit,
  type SequenceSplitOptions,
} from "./sequences.js";
