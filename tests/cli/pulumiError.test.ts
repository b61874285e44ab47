import { strict as assert } from "node:assert";
import { pulumiErrorText } from "../../cli/pulumiError";

/** What the Automation API's CommandError says when the CLI fails: a dump around one useful line. */
function commandError(stderr: string): Error & { stderr: string } {
  const message = `code: 255\n stdout: \n stderr: Command failed with exit code 255: pulumi stack select --stack dev\n${stderr}\n err?: Error: Command failed with exit code 255`;
  return Object.assign(new Error(message), { stderr });
}

describe("Pulumi's own error line", () => {
  it("keeps the CLI's error and adds the fix for a missing stack", () => {
    assert.equal(
      pulumiErrorText(commandError("error: no stack named 'dev' found"), "dev"),
      "no stack named 'dev' found; create it with: pulumi stack init dev --secrets-provider passphrase",
    );
  });

  it("adds the fix for a missing passphrase", () => {
    const text = pulumiErrorText(commandError("error: constructing secrets manager of type \"passphrase\": unable to find either `PULUMI_CONFIG_PASSPHRASE` or `PULUMI_CONFIG_PASSPHRASE_FILE` when loading source stack"));
    assert.match(text, /^constructing secrets manager of type "passphrase": unable to find/);
    assert.match(text, /; export PULUMI_CONFIG_PASSPHRASE \(or PULUMI_CONFIG_PASSPHRASE_FILE\) in this shell$/);
  });

  it("never returns the dump's scaffolding, even without an error: line", () => {
    assert.equal(pulumiErrorText(Object.assign(new Error("code: 1\n stdout: \n stderr: \nsomething broke"), { stderr: "" })), "something broke");
    assert.equal(pulumiErrorText("plain"), "plain");
  });
});
