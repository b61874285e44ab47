/** Where a user without the Pulumi CLI is sent, by every command that needs it (one link, so they never disagree). */
export const PULUMI_INSTALL_URL = "https://www.pulumi.com/docs/iac/download-install/";
