import { AppError } from "@/server/domain/app-error";

/** Reads a file part of a multipart upload; the error names the missing part. */
export async function readFilePart(
  formData: FormData,
  field: string,
): Promise<{ bytes: Uint8Array; fileName: string }> {
  const part = formData.get(field);
  if (!(part instanceof Blob)) throw new AppError("BAD_REQUEST", `the upload has no '${field}' file part`);
  return {
    bytes: new Uint8Array(await part.arrayBuffer()),
    fileName: part instanceof File ? part.name : field,
  };
}

export function readTextPart(formData: FormData, field: string): string | null {
  const part = formData.get(field);
  return typeof part === "string" ? part : null;
}

/** A JSON-encoded part; undefined when absent or blank, so the caller picks the default. */
export function readJsonPart(formData: FormData, field: string): unknown {
  const text = readTextPart(formData, field);
  if (text === null || text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new AppError("BAD_REQUEST", `the '${field}' part is not valid JSON: ${(error as Error).message}`);
  }
}
