import { describe, expect, it } from "vitest";
import {
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  passwordProblem,
} from "@/server/domain/access/password-rules";

const email = "ada.lovelace@example.com";

describe("password rules", () => {
  it("accept a long password unrelated to the address", () => {
    expect(passwordProblem("correct horse battery staple", email)).toBeNull();
    expect(passwordProblem("x".repeat(MIN_PASSWORD_LENGTH - 1) + "y", email)).toBeNull();
    expect(passwordProblem("ab".repeat(MAX_PASSWORD_LENGTH / 2), email)).toBeNull();
  });

  it("refuse one too short or too long, saying how long it is", () => {
    expect(passwordProblem("short-pw", email)).toBe(
      "The password must be at least 12 characters long; this one has 8.",
    );
    expect(passwordProblem("ab".repeat(65), email)).toBe(
      "The password must be at most 128 characters long; this one has 130.",
    );
  });

  it("count characters as a person does, not UTF-16 units", () => {
    // Eleven emoji are 22 UTF-16 units, yet only eleven characters.
    expect(passwordProblem("🔑".repeat(10) + "🗝", email)).toBe(
      "The password must be at least 12 characters long; this one has 11.",
    );
  });

  it("refuse one character repeated", () => {
    expect(passwordProblem("a".repeat(20), email)).toBe("The password must not be one character repeated.");
  });

  it("refuse the address's name inside the password, whatever its case", () => {
    expect(passwordProblem("my-ADA.Lovelace-2026", email)).toBe(
      "The password must not contain your email address's name ('ada.lovelace').",
    );
  });

  it("do not refuse a very short address name that any password might contain", () => {
    expect(passwordProblem("jovial uncle sandwich", "jo@example.com")).toBeNull();
  });
});
