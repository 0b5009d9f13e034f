/**
 * The README's code blocks that tests run: each follows an HTML comment naming its test, so a
 * reader sees which examples are executed and a test finds its block by that comment.
 */
import { readFileSync } from "node:fs";

const README = readFileSync(new URL("../README.md", import.meta.url), "utf8");

/** The fenced block right after the comment that contains `marker`: its language and its text. */
export function readmeBlock(marker: string): { language: string; code: string } {
  const at = README.indexOf(marker);
  if (at < 0) throw new Error(`README.md has no comment with "${marker}"`);
  const afterComment = README.slice(README.indexOf("-->", at));
  const match = /^-->\n```(\w+)\n([\s\S]*?\n)```\n/.exec(afterComment);
  if (!match) throw new Error(`no code block right after "${marker}" in README.md`);
  return { language: match[1]!, code: match[2]! };
}

/** The README's section that starts with `heading` (e.g. "## Quick start"), up to the next heading of any level. */
export function readmeSection(heading: string): string {
  const at = README.indexOf(`\n${heading}`);
  if (at < 0) throw new Error(`README.md has no "${heading}"`);
  const rest = README.slice(at + 1);
  const next = rest.slice(heading.length).search(/^#{1,6} /m);
  return next < 0 ? rest : rest.slice(0, heading.length + next);
}
