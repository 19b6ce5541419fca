// The usage page's bar chart. Loaded on demand (UsageChart in usage_chart.py is a NoSSRComponent,
// compiled to a dynamic import), so recharts is downloaded only when the usage tab opens,
// never with the rest of /admin.
import {
  Bar,
  BarChart,
  CartesianGrid,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";

const tick = { fontSize: 11, fill: "var(--gray-11)" };

// Axis labels stay short (the tooltip shows the whole one): days as MM-DD, long names cut.
function short(label) {
  const text = String(label);
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return text.slice(5);
  return text.length > 22 ? `${text.slice(0, 21)}…` : text;
}

export function UsageChart({ id, data, valueKey, labelKey, series, height = 240, vertical = false }) {
  const value = vertical
    ? <XAxis type="number" tick={tick} allowDecimals={false} />
    : <YAxis tick={tick} width={56} allowDecimals={false} />;
  const label = vertical
    ? <YAxis
        type="category"
        dataKey={labelKey}
        tick={tick}
        tickFormatter={short}
        width={172}
        interval={0}
      />
    : <XAxis dataKey={labelKey} tick={tick} tickFormatter={short} minTickGap={12} />;
  return (
    <div id={id} style={{ width: "100%", height }}>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart
          data={data}
          layout={vertical ? "vertical" : "horizontal"}
          margin={{ top: 8, right: 12, bottom: 0, left: 0 }}
        >
          <CartesianGrid strokeDasharray="3 3" stroke="var(--gray-a5)" />
          {label}
          {value}
          <Tooltip
            cursor={{ fill: "var(--gray-a3)" }}
            contentStyle={{
              background: "var(--color-panel-solid)",
              borderColor: "var(--gray-a6)",
              color: "var(--gray-12)",
            }}
          />
          <Bar
            dataKey={valueKey}
            name={series}
            fill="var(--accent-9)"
            maxBarSize={48}
            isAnimationActive={false}
          />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
