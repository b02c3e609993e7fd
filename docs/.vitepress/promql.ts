/**
 * A minimal TextMate grammar for PromQL, so alert expressions are highlighted
 * (Shiki ships none). Covers what our rules use: aggregations and functions,
 * keywords, label matchers, strings, durations and numbers.
 */
import type { LanguageRegistration } from "shiki";

export const promql: LanguageRegistration = {
  name: "promql",
  scopeName: "source.promql",
  patterns: [
    { name: "comment.line.number-sign.promql", match: "#.*$" },
    { name: "string.quoted.double.promql", begin: '"', end: '"', patterns: [{ name: "constant.character.escape.promql", match: "\\\\." }] },
    { name: "string.quoted.single.promql", begin: "'", end: "'" },
    { name: "keyword.operator.logical.promql", match: "\\b(and|or|unless|by|without|on|ignoring|group_left|group_right|bool|offset)\\b" },
    {
      name: "support.function.promql",
      match:
        "\\b(sum|min|max|avg|count|stddev|stdvar|topk|bottomk|quantile|count_values|group|rate|irate|increase|delta|idelta|deriv|changes|resets|abs|absent|absent_over_time|ceil|floor|round|clamp|clamp_max|clamp_min|histogram_quantile|label_replace|label_join|predict_linear|time|timestamp|vector|scalar|sort|sort_desc|[a-z]+_over_time)\\s*(?=\\()",
    },
    { name: "constant.numeric.duration.promql", match: "\\[[0-9]+[smhdwy](:[0-9]*[smhdwy]?)?\\]" },
    { name: "constant.numeric.promql", match: "\\b[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?\\b" },
    { name: "keyword.operator.promql", match: "==|!=|>=|<=|=~|!~|[-+*/%^<>=]" },
    { name: "variable.other.label.promql", match: "\\b[a-zA-Z_][a-zA-Z0-9_]*(?=\\s*(=~|!~|!=|=)\\s*[\"'])" },
  ],
};
