// TypeDoc names each entry point's module after its file (index, reference, tfjs); readers
// import them as package specifiers, so the API docs use those instead.
import { Converter } from "typedoc";

const NAMES = { index: "klwasm", reference: "klwasm/reference", tfjs: "klwasm/tfjs" };

/** @param {import("typedoc").Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const module of context.project.children ?? []) module.name = NAMES[module.name] ?? module.name;
  });
}
