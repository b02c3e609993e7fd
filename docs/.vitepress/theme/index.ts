/** The default VitePress theme plus the site's own components. */
import type { Theme } from "vitepress";
import DefaultTheme from "vitepress/theme";
import DrillHistory from "./DrillHistory.vue";
import MermaidDiagram from "./MermaidDiagram.vue";
import "./custom.css";

export default {
  extends: DefaultTheme,
  enhanceApp({ app }) {
    app.component("DrillHistory", DrillHistory);
    app.component("MermaidDiagram", MermaidDiagram);
  },
} satisfies Theme;
