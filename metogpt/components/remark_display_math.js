// A remark plugin: `$$ x $$` alone on its line is display math, shown as a centred block like
// the fenced form ($$ on lines of their own). remark-math reads the one-line form as inline
// math; here a paragraph holding nothing but such math written with $$ gets KaTeX's display
// mode (rehype-katex renders a `math-display` element as a centred `.katex-display` block).
// Inline `$x$` and `$$x$$` within text stay inline.
export default function remarkDisplayMath() {
  return (tree, file) => {
    const source = String(file.value ?? "");
    const visit = (node) => {
      for (const child of node.children ?? []) {
        const only = child.type === "paragraph" && child.children.length === 1 ? child.children[0] : null;
        const start = only?.position?.start?.offset;
        if (only?.type === "inlineMath" && start !== undefined && source.startsWith("$$", start)) {
          only.data = { ...(only.data ?? {}) };
          only.data.hProperties = {
            ...(only.data.hProperties ?? {}),
            className: ["language-math", "math-display"],
          };
        } else {
          visit(child);
        }
      }
    };
    visit(tree);
  };
}
