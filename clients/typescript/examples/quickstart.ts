// Quickstart: register, verify the email (the link is read from the console
// mail backend's files), log in, create a contact and list contacts.
//
//   API_URL=http://localhost:8000/api/v1 MAIL_DIR=../../var/mail node dist/examples/quickstart.js
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

import { ApiError, createClient } from "../src/client.js";

const apiUrl = process.env["API_URL"] ?? "http://localhost:8000/api/v1";
const mailDir = process.env["MAIL_DIR"] ?? "../../var/mail";
const email = process.env["EMAIL"] ?? `quickstart-${Date.now()}@example.com`;
const password = "Quickstart-Passw0rd!";

// waitForToken polls the mail directory for the verification mail to email.
async function waitForToken(to: string, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const names = await readdir(mailDir).catch(() => [] as string[]);
    for (const name of names.sort()) {
      const text = await readFile(join(mailDir, name), "utf8");
      const match = /#token=([A-Za-z0-9_\-.~%]+)/.exec(text);
      if (text.includes(`To: ${to}\n`) && match?.[1]) return decodeURIComponent(match[1]);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no verification mail to ${to} in ${mailDir}`);
}

async function main(): Promise<void> {
  const api = createClient({ baseUrl: apiUrl });

  const registered = await api.POST("/auth/register/", { body: { email } });
  console.log(`registered: ${registered.detail}`);

  const token = await waitForToken(email);
  await api.POST("/auth/verify-registration", { body: { token, password } });
  console.log("verified");

  const session = await api.POST("/token/pair", { body: { email, password } });
  api.setToken(session.access);
  console.log(`logged in: ${session.email}`);

  const orgs = await api.GET("/orgs/");
  const org = orgs.items?.find((o) => o.type === "personal") ?? orgs.items?.[0];
  if (!org) throw new Error("no organization");

  const created = await api.POST("/orgs/{org_slug}/contacts/", {
    path: { org_slug: org.slug },
    body: { first_name: "Ada", last_name: "Lovelace", email: "ada@example.com" },
  });
  console.log(`created contact: ${created.slug} (${created.display_name})`);

  const page = await api.GET("/orgs/{org_slug}/contacts/", { path: { org_slug: org.slug }, query: { search: "Ada", limit: 10 } });
  console.log(`contacts: ${page.count}: ${(page.items ?? []).map((c) => c.email).join(", ")}`);
}

main().catch((err: unknown) => {
  if (err instanceof ApiError) console.error(`API error ${err.status}: ${JSON.stringify(err.body)}`);
  else console.error(err);
  process.exit(1);
});
