// A module worker Vite bundles on its own: workers may compile synchronously.
import { createKLSync } from "klwasm";

const kl = createKLSync();
self.postMessage({ backend: kl.backend, value: kl.kl([0.1, 0.2, 0.3, 0.4], [0.25, 0.25, 0.25, 0.25]) });
