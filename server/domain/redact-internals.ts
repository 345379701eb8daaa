/**
 * A third-party error message (onnxruntime's, mostly) made fit for a client: the part that
 * says what is wrong with the input stays; the server's working directory, absolute paths,
 * C++ source locations and function signatures, and the process id go.
 */
export function redactInternals(
  message: string,
  { workingDirectory, pid }: { workingDirectory: string; pid: number },
): string {
  let text = message;
  if (workingDirectory.length > 1) text = text.split(`${workingDirectory.replace(/\/+$/, "")}/`).join("");
  text = text
    // "/onnxruntime_src/onnxruntime/core/graph/graph.cc:1555", "tensorprotoutils.cc:461"
    .replace(/(?:\/[^\s:"'()]+)*\/?\b[\w.-]+\.(?:cc|cpp|cxx|c|h|hpp|inl):\d+/g, "")
    // "void onnxruntime::Graph::InitializeStateFromModelFileGraphProto()"
    .replace(
      /(?:\b(?:void|bool|int|auto|Status|common::Status)\s+)?\b\w+(?:::~?\w+)+\([^()]*\)(?:\s*const)?/g,
      "",
    )
    .replace(/(^|[\s"'(=:])\/(?:[\w.@+-]+\/)*[\w.@+-]+/g, "$1[path]")
    .replace(/\b(pid|process)\s*[:=#]?\s*\d+/gi, "$1 [pid]");
  if (pid >= 100) text = text.replace(new RegExp(`\\b${pid}\\b`, "g"), "[pid]");
  return text
    .replace(/\s+/g, " ")
    .replace(/^[\s:;,.-]+/, "")
    .trim();
}
