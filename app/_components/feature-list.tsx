import type { Feature } from "@/server/domain/feature-set/feature-spec";
import { Badge, DataTable } from "@/app/_components/ui";

const NUMBER = new Intl.NumberFormat("en", { maximumFractionDigits: 4 });

export function allowedValues(feature: Feature): string {
  if (feature.dtype === "category") return feature.categories.join(", ");
  if (feature.dtype === "bool") return "true, false";
  if (feature.min === null && feature.max === null) return "any number";
  return `${feature.min === null ? "−∞" : NUMBER.format(feature.min)} to ${feature.max === null ? "∞" : NUMBER.format(feature.max)}`;
}

export function FeatureListTable({ features }: { features: Feature[] }) {
  return (
    <DataTable caption="Features" columns={["#", "Feature", "Type", "Allowed values"]}>
      {features.map((feature, index) => (
        <tr key={feature.name}>
          <td className="px-3 py-2 tabular-nums text-slate-500">{index}</td>
          <td className="px-3 py-2 font-mono">{feature.name}</td>
          <td className="px-3 py-2">
            <Badge tone={feature.dtype === "category" || feature.dtype === "bool" ? "amber" : "indigo"}>
              {feature.dtype}
            </Badge>
          </td>
          <td className="max-w-md px-3 py-2 text-slate-600">{allowedValues(feature)}</td>
        </tr>
      ))}
    </DataTable>
  );
}
