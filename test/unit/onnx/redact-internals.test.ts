import { describe, expect, it } from "vitest";
import { redactInternals } from "@/server/domain/redact-internals";

const where = { workingDirectory: "/srv/console", pid: 48213 };

// Messages as onnxruntime-node 1.30 words them (captured from real loads).
describe("redactInternals", () => {
  it("keeps the reason and drops onnxruntime's source path, line and function", () => {
    expect(
      redactInternals(
        "/onnxruntime_src/onnxruntime/core/graph/graph.cc:1555 void onnxruntime::Graph::InitializeStateFromModelFileGraphProto() This is an invalid model. Graph output (z) does not exist in the graph.",
        where,
      ),
    ).toBe("This is an invalid model. Graph output (z) does not exist in the graph.");
    expect(
      redactInternals(
        "Exception during initialization: /onnxruntime_src/onnxruntime/core/optimizer/initializer.cc:44 onnxruntime::Initializer::Initializer(const onnx::TensorProto&, const std::filesystem::__cxx11::path&) !model_path.empty() was false. model_path must not be empty.",
        where,
      ),
    ).toBe("Exception during initialization: !model_path.empty() was false. model_path must not be empty.");
  });

  it("turns paths in the working directory into relative ones and hides every other absolute path", () => {
    expect(
      redactInternals(
        'External data path validation failed for initializer: w. Error: tensorprotoutils.cc:461 ValidateExternalDataPathFromDir External data path does not exist: "/srv/console/missing.bin"',
        where,
      ),
    ).toBe(
      'External data path validation failed for initializer: w. Error: ValidateExternalDataPathFromDir External data path does not exist: "missing.bin"',
    );
    expect(redactInternals("cannot open /var/lib/console/tmp/x.onnx for reading", where)).toBe(
      "cannot open [path] for reading",
    );
  });

  it("hides the process id", () => {
    expect(redactInternals("worker pid 48213 failed; process:48213", where)).toBe(
      "worker pid [pid] failed; process [pid]",
    );
    expect(redactInternals("thread 48213 stopped", where)).toBe("thread [pid] stopped");
  });

  it("leaves a message without internals as it is", () => {
    const message =
      "Node (MatMul_0) Op (MatMul) [ShapeInferenceError] Incompatible dimensions for matrix multiplication";
    expect(redactInternals(message, where)).toBe(message);
  });
});
