// A classic worker (`new Worker(url)`), bundled as an IIFE.
import { compute } from "./compute.js";

self.postMessage({ kind: "classic", ...compute() });
