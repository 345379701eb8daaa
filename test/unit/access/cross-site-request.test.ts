import { describe, expect, it } from "vitest";
import { crossSiteProblem, type RequestOriginFacts } from "@/server/domain/access/cross-site-request";

const CONSOLE = "https://ml.example.com";
const post: RequestOriginFacts = {
  method: "POST",
  origin: "https://ml.example.com",
  fetchSite: "same-origin",
  host: "ml.example.com",
  hasCookie: true,
};

describe("cross-site requests", () => {
  it("let a change from the console's own pages through", () => {
    expect(crossSiteProblem(post, CONSOLE)).toBeNull();
  });

  it("let a change through from the name the console is reached by, when it differs from its public URL", () => {
    expect(
      crossSiteProblem(
        { ...post, origin: "http://127.0.0.1:3000", host: "127.0.0.1:3000" },
        "http://localhost:3000",
      ),
    ).toBeNull();
  });

  it("refuse a change with a cookie from another site, naming it", () => {
    expect(
      crossSiteProblem({ ...post, origin: "https://evil.example", fetchSite: "cross-site" }, CONSOLE),
    ).toBe(
      "this change came from another site (https://evil.example), not from the console's own pages, and was " +
        "refused to protect your session; make it from the console, or without cookies using an API key",
    );
  });

  it("refuse another port or scheme of the same host, which is another origin", () => {
    expect(crossSiteProblem({ ...post, origin: "https://ml.example.com:8443" }, CONSOLE)).not.toBeNull();
    expect(
      crossSiteProblem({ ...post, origin: "http://ml.example.com", host: "other" }, CONSOLE),
    ).not.toBeNull();
  });

  it("refuse a hidden (null) origin and an origin that is not a web URL", () => {
    expect(crossSiteProblem({ ...post, origin: "null" }, CONSOLE)).toMatch(
      /^this change came from a page with a hidden origin/,
    );
    expect(crossSiteProblem({ ...post, origin: "file://", host: "" }, CONSOLE)).not.toBeNull();
  });

  it("refuse by fetch metadata when a browser sends no Origin", () => {
    expect(crossSiteProblem({ ...post, origin: null, fetchSite: "cross-site" }, CONSOLE)).toMatch(
      /another site/,
    );
    expect(crossSiteProblem({ ...post, origin: null, fetchSite: "same-site" }, CONSOLE)).toMatch(
      /another site/,
    );
    expect(crossSiteProblem({ ...post, origin: null, fetchSite: "same-origin" }, CONSOLE)).toBeNull();
    expect(crossSiteProblem({ ...post, origin: null, fetchSite: null }, CONSOLE)).toBeNull();
  });

  it("leave reads and requests without a cookie (CI with a bearer key) alone", () => {
    const evil = { ...post, origin: "https://evil.example", fetchSite: "cross-site" };
    expect(crossSiteProblem({ ...evil, method: "GET" }, CONSOLE)).toBeNull();
    expect(crossSiteProblem({ ...evil, hasCookie: false }, CONSOLE)).toBeNull();
  });
});
