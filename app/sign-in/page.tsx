import { Prefetched, trpcOnServer } from "@/app/_trpc/server";
import { SignInPage } from "./sign-in-page";

/** better-auth sends a failed single sign-on back here with `?error=<code>`. */
export default async function Page({ searchParams }: { searchParams: Promise<{ error?: string }> }) {
  const { error } = await searchParams;
  return (
    <Prefetched queries={[trpcOnServer.session.signInMethods.queryOptions()]}>
      <SignInPage singleSignOnFailed={error !== undefined} />
    </Prefetched>
  );
}
