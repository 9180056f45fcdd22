/** Where the tests have onnxruntime-node: installed by tests/support/global-setup.ts. */
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The package whose lock file pins the tests' onnxruntime-node. */
export const onnxruntimeNodePackage = fileURLToPath(new URL("../../tools/onnxruntime-node/", import.meta.url));

/** The directory of the installed onnxruntime-node (what RNNC_ONNXRUNTIME_NODE names). */
export const onnxruntimeNodeDirectory = join(onnxruntimeNodePackage, "node_modules/onnxruntime-node");
