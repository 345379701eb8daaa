import type { Dimension, TensorSpec } from "@/server/domain/signature";
import { DataTable } from "@/app/_components/ui";

/** Dynamic dimensions are shown by name and marked, so a reader sees what the caller chooses. */
function ShapeView({ shape }: { shape: Dimension[] }) {
  if (shape.length === 0) return <span className="font-mono text-slate-500">scalar</span>;
  return (
    <span className="font-mono">
      [
      {shape.map((dimension, index) => (
        <span key={index}>
          {index > 0 && ", "}
          {typeof dimension === "number" ? (
            dimension
          ) : (
            <span className="rounded bg-amber-50 px-1 text-amber-800" title="dynamic dimension: any size">
              {dimension ?? "?"}
            </span>
          )}
        </span>
      ))}
      ]
    </span>
  );
}

export function SignatureTable({ tensors, caption }: { tensors: TensorSpec[]; caption: string }) {
  return (
    <DataTable caption={caption} columns={["Name", "Element type", "Shape"]}>
      {tensors.map((tensor) => (
        <tr key={tensor.name}>
          <td className="px-3 py-2 font-mono text-slate-900">{tensor.name}</td>
          <td className="px-3 py-2 font-mono">{tensor.elementType}</td>
          <td className="px-3 py-2">
            <ShapeView shape={tensor.shape} />
          </td>
        </tr>
      ))}
    </DataTable>
  );
}

/** One line per tensor for tables: "features float32 [batch, 14]". */
export function SignatureSummary({ tensors }: { tensors: TensorSpec[] }) {
  return (
    <ul className="space-y-0.5">
      {tensors.map((tensor) => (
        <li key={tensor.name} className="whitespace-nowrap text-xs">
          <span className="font-mono text-slate-900">{tensor.name}</span>{" "}
          <span className="font-mono text-slate-500">{tensor.elementType}</span>{" "}
          <ShapeView shape={tensor.shape} />
        </li>
      ))}
    </ul>
  );
}
