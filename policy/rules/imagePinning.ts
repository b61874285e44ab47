/** Advisory: images should be pinned, so a preview and the cluster agree on what runs. */
import { containersOf, describeResource, isWorkloadType, podSpecOf, type Props } from "./kube";
import { resourceRule } from "./rule";

/** The tag of an image reference, undefined when it has none; digests are reported separately. */
export function imageTag(image: string): { tag?: string; digest: boolean } {
  const [name, digest] = image.split("@", 2);
  const lastSegment = name.slice(name.lastIndexOf("/") + 1);
  const colon = lastSegment.lastIndexOf(":");
  return { tag: colon >= 0 ? lastSegment.slice(colon + 1) : undefined, digest: digest !== undefined };
}

/** Advisories for one Pod or workload: images tagged `latest` or not tagged at all. */
export function checkImagePinning(type: string, props: Props, resourceName: string): string[] {
  const where = describeResource(type, props, resourceName);
  const messages: string[] = [];
  for (const { name, container } of containersOf(podSpecOf(type, props))) {
    const image = container.image;
    if (typeof image !== "string") continue;
    const { tag, digest } = imageTag(image);
    if (digest || (tag !== undefined && tag !== "latest")) continue;
    const repo = tag === undefined ? image : image.slice(0, -(tag.length + 1));
    messages.push(
      `${where}: container "${name}" uses ${tag === undefined ? "an untagged image" : "the moving tag latest"} (${image}), ` +
        `so each rollout may run different code. Pin a digest: ${repo}@sha256:<digest> ` +
        `(find it with: docker buildx imagetools inspect ${image}), then set it with pulumi config set pricesApiImage.`,
    );
  }
  return messages;
}

export const imagePinning = resourceRule({
  name: "image-pinned",
  description: "Container images are pinned by tag (not latest) or, better, by digest.",
  enforcementLevel: "advisory",
  remediationSteps: "Reference images as repository@sha256:<digest>.",
  appliesTo: isWorkloadType,
  check: checkImagePinning,
});
