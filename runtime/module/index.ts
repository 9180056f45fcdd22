/**
 * What every generated module shares, whatever its model (docs/generated-modules.md): the
 * `Model` behind its typed facade, the argument checks, the workspace, and the parameters'
 * views. A module imports these from `rnnc/runtime`; `--standalone` inlines their source.
 */
export type {
  CarriedLayout,
  InputLayout,
  ModuleLayout,
  OutputLayout,
  ParameterLayout,
  TargetLayout,
  WorkspaceLengths,
} from "./layout.js";
export { plainMemory, type ModelMemory, type ModuleDtype } from "./memory.js";
export { kernelMemory } from "./arena-memory.js";
export { initialiseParameterViews, parameterViews, type ParameterSet } from "./parameters.js";
export {
  ModelCore,
  type BatchArguments,
  type ModulePasses,
  type ModuleWorkspace,
  type StateArguments,
} from "./model.js";
