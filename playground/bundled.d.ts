/** The modules tools/playground/build.mjs makes when it bundles the page. */

/** examples/: each model, the data it trains on and the batch it runs; and the texts in examples/data. */
declare module "rnnc:examples" {
  import type { DataSource } from "./workers/messages.js";
  export interface Example {
    name: string;
    source: string;
    /** What it trains on: its data under examples/data (a text for the language model). */
    data?: DataSource;
    /** The batch a run reads, as `rnnc run --data examples/data/NAME.json`. */
    batch?: DataSource;
  }
  const examples: readonly Example[];
  export default examples;
  /** Every text in examples/data, which a language model may train on. */
  export const texts: readonly DataSource[];
}

/** The runtime's sources as `--standalone` inlines them: the index `npm run build` writes (tools/standalone-runtime/build.mjs). */
declare module "rnnc:runtime-index" {
  import type { RuntimeIndex } from "../compiler/codegen/runtime-index.js";
  const index: RuntimeIndex;
  export default index;
}
