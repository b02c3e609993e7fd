import { AcmCertificate } from "@cdktf/provider-aws/lib/acm-certificate";
import { AcmCertificateValidation } from "@cdktf/provider-aws/lib/acm-certificate-validation";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { TerraformIterator } from "cdktf";
import { Construct } from "constructs";

export interface PublicCertificateProps {
  /** The zone apex, such as `staging.example.com`; the certificate also covers `*.<domain>`. */
  readonly domain: string;
  /** Route53 hosted zone of `domain`, for DNS validation. */
  readonly hostedZoneId: string;
}

/**
 * An ACM certificate for `<domain>` and `*.<domain>`, validated through
 * Route53 and renewed by ACM. The ALB controller finds it by host name, so
 * no private key ever exists outside ACM.
 */
export class PublicCertificate extends Construct {
  readonly arn: string;

  constructor(scope: Construct, id: string, props: PublicCertificateProps) {
    super(scope, id);
    if (!/^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/.test(props.domain)) {
      throw new Error(`PublicCertificate: domain is "${props.domain}"; expected a DNS domain such as staging.example.com`);
    }
    const certificate = new AcmCertificate(this, "certificate", {
      domainName: props.domain,
      subjectAlternativeNames: [`*.${props.domain}`],
      validationMethod: "DNS",
      keyAlgorithm: "EC_prime256v1",
      lifecycle: { createBeforeDestroy: true },
    });
    // The apex and the wildcard share one validation record; allow_overwrite makes that idempotent.
    const options = TerraformIterator.fromComplexList(certificate.domainValidationOptions, "domain_name");
    const records = new Route53Record(this, "validation", {
      forEach: options,
      zoneId: props.hostedZoneId,
      name: options.getString("resource_record_name"),
      type: options.getString("resource_record_type"),
      records: [options.getString("resource_record_value")],
      ttl: 300,
      allowOverwrite: true,
    });
    const validation = new AcmCertificateValidation(this, "validated", {
      certificateArn: certificate.arn,
      validationRecordFqdns: options.pluckProperty("resource_record_name") as unknown as string[],
      dependsOn: [records],
    });
    this.arn = validation.certificateArn;
  }
}
