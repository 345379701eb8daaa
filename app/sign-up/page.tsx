import { SignUpPage } from "./sign-up-page";

export default function Page() {
  return <SignUpPage />;
}
