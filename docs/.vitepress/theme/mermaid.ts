/**
 * Mermaid rendering for the site, one diagram at a time. Mermaid keeps global
 * state between `initialize` and `render`, so concurrent renders (several
 * diagrams on a page, re-rendered when the colour scheme changes) can corrupt
 * each other and show "Syntax error in text"; vitepress-plugin-mermaid 2.0.17
 * renders concurrently and did exactly that in tests/docs/site.test.ts.
 */
let chain: Promise<unknown> = Promise.resolve();
let counter = 0;

/** Render Mermaid source to an SVG string, after every render queued before it. */
export function renderMermaid(source: string, dark: boolean): Promise<string> {
  const job = chain.then(async () => {
    // Loaded on first use, in the browser only: Mermaid needs a DOM and is large.
    const { default: mermaid } = await import("mermaid");
    mermaid.initialize({ startOnLoad: false, securityLevel: "strict", theme: dark ? "dark" : "default" });
    const { svg } = await mermaid.render(`mermaid-svg-${++counter}`, source);
    return svg;
  });
  chain = job.catch(() => undefined);
  return job;
}
