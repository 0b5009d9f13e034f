// TypeDoc checks that every exported symbol has a comment (validation.notDocumented) but not
// that it shows how it is used. This adds that check: every symbol an entry point exports
// (functions, classes, interfaces, type aliases, variables) and every method or function-valued
// property of an exported interface or class needs an `@example` block. A missing one is a
// validation warning, which treatWarningsAsErrors in typedoc.json turns into a failed
// `npm run docs`. `intentionallyWithoutExample` lists full names (as in the warning) to let
// through until their example is written; an entry no longer needed is itself a warning.
import { Application, ParameterType, ReflectionKind, ReflectionType } from "typedoc";

const TOP_LEVEL = ReflectionKind.Function | ReflectionKind.Class | ReflectionKind.Interface | ReflectionKind.TypeAlias | ReflectionKind.Variable;

/** @param {import("typedoc").Application} app */
export function load(app) {
  app.options.addDeclaration({
    name: "intentionallyWithoutExample",
    help: "Full names of exported symbols that may lack an @example for now",
    type: ParameterType.Array,
    defaultValue: [],
  });

  app.on(Application.EVENT_VALIDATE_PROJECT, (project) => {
    const allowed = new Set(app.options.getValue("intentionallyWithoutExample"));
    const used = new Set();
    for (const reflection of project.getReflectionsByKind(TOP_LEVEL | ReflectionKind.Method | ReflectionKind.Property)) {
      // Members TypeDoc copies from elsewhere (Error's, for KLError) are not ours to document.
      if (reflection.inheritedFrom || reflection.flags.isExternal) continue;
      if (reflection.kindOf(TOP_LEVEL) && !reflection.parent?.kindOf(ReflectionKind.SomeModule | ReflectionKind.Project)) continue;
      const callable = reflection.type instanceof ReflectionType ? reflection.type.declaration.signatures ?? [] : [];
      if (reflection.kindOf(ReflectionKind.Property) && callable.length === 0) continue;
      const comments = [reflection.comment, ...[...(reflection.signatures ?? []), ...callable].map((signature) => signature.comment)];
      if (comments.some((comment) => comment?.getTag("@example"))) continue;
      const name = reflection.getFriendlyFullName();
      if (allowed.has(name)) used.add(name);
      else app.logger.validationWarning(`${name} (${ReflectionKind[reflection.kind]}) has no @example`);
    }
    for (const name of allowed) {
      if (!used.has(name)) app.logger.validationWarning(`intentionallyWithoutExample lists ${name}, which has an @example or is gone: remove it`);
    }
  });
}
