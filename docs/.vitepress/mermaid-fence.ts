/**
 * markdown-it plugin: a ```mermaid fence becomes `<MermaidDiagram>` (theme/MermaidDiagram.vue),
 * its source URI-encoded so neither Vue nor the HTML parser reads it.
 */
import type { MarkdownRenderer } from "vitepress";

export function mermaidFence(md: MarkdownRenderer): void {
  const fallback = md.renderer.rules.fence!;
  md.renderer.rules.fence = (tokens, idx, options, env, self) =>
    tokens[idx].info.trim() === "mermaid"
      ? `<MermaidDiagram graph="${encodeURIComponent(tokens[idx].content)}" />\n`
      : fallback(tokens, idx, options, env, self);
}
