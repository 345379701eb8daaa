"use client";

import { useId, useState } from "react";
import { formatBytes } from "@/server/domain/format";

/** A drop zone that is also a keyboard-reachable file picker. */
export function FileDrop({
  accept,
  label,
  hint,
  file,
  onFile,
  disabled,
}: {
  accept: string;
  label: string;
  hint: string;
  file: File | null;
  onFile: (file: File) => void;
  disabled?: boolean;
}) {
  const inputId = useId();
  const [dragging, setDragging] = useState(false);
  return (
    <div
      data-testid="file-drop"
      onDragOver={(event) => {
        event.preventDefault();
        if (!disabled) setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={(event) => {
        event.preventDefault();
        setDragging(false);
        const dropped = event.dataTransfer.files[0];
        if (dropped && !disabled) onFile(dropped);
      }}
      className={`rounded-lg border-2 border-dashed px-6 py-8 text-center transition-colors ${
        dragging ? "border-indigo-500 bg-indigo-50" : "border-slate-300 bg-slate-50"
      }`}
    >
      <p className="text-sm text-slate-700">
        {file ? (
          <>
            <span className="font-medium">{file.name}</span>{" "}
            <span className="text-slate-500">({formatBytes(file.size)})</span>
          </>
        ) : (
          "Drag and drop a file here, or"
        )}
      </p>
      <input
        id={inputId}
        type="file"
        accept={accept}
        disabled={disabled}
        className="peer sr-only"
        onChange={(event) => {
          const chosen = event.target.files?.[0];
          if (chosen) onFile(chosen);
          event.target.value = "";
        }}
      />
      <label
        htmlFor={inputId}
        className="mt-2 inline-block cursor-pointer text-sm font-medium text-indigo-700 hover:underline peer-focus-visible:outline-2 peer-focus-visible:outline-offset-2 peer-focus-visible:outline-indigo-500"
      >
        {file ? "Choose another file" : label}
      </label>
      <p className="mt-1 text-xs text-slate-500">{hint}</p>
    </div>
  );
}

export function ProgressBar({ fraction, label }: { fraction: number; label: string }) {
  const percent = Math.round(fraction * 100);
  return (
    <div>
      <div className="mb-1 flex justify-between text-xs text-slate-600">
        <span>{label}</span>
        <span className="tabular-nums">{percent}%</span>
      </div>
      <div
        role="progressbar"
        aria-label={label}
        aria-valuenow={percent}
        aria-valuemin={0}
        aria-valuemax={100}
        className="h-2 overflow-hidden rounded-full bg-slate-200"
      >
        <div className="h-full bg-indigo-600 transition-[width]" style={{ width: `${percent}%` }} />
      </div>
    </div>
  );
}
