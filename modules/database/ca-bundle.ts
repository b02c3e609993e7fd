import { DataHttp } from "@cdktf/provider-http/lib/data-http";
import { Construct } from "constructs";

export interface RdsCaBundleProps {
  /** AWS region of the database: the region's bundle holds every CA RDS signs with there. */
  readonly region: string;
}

/**
 * The public RDS CA bundle of a region, read at plan time from AWS's trust
 * store, so clients can verify the database's TLS certificate
 * (`sslmode=verify-full`). Plan fails, naming the URL, when the answer is not
 * a PEM bundle; a CA rotation by AWS shows up as a change in the next plan.
 */
export class RdsCaBundle extends Construct {
  /** The PEM bundle (a Terraform expression). */
  readonly pem: string;
  /** Where it comes from. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: RdsCaBundleProps) {
    super(scope, id);
    if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(props.region)) {
      throw new Error(`RdsCaBundle ${id}: region is "${props.region}"; expected an AWS region such as eu-west-1`);
    }
    this.url = `https://truststore.pki.rds.amazonaws.com/${props.region}/${props.region}-bundle.pem`;
    const bundle = new DataHttp(this, "bundle", {
      url: this.url,
      requestHeaders: { Accept: "application/x-pem-file" },
      retry: { attempts: 3, minDelayMs: 1000, maxDelayMs: 5000 },
      lifecycle: {
        postcondition: [
          {
            condition: '${self.status_code == 200 && strcontains(self.response_body, "-----BEGIN CERTIFICATE-----")}',
            errorMessage: `${this.url} did not return a PEM certificate bundle (HTTP status and body checked)`,
          },
        ],
      },
    });
    this.pem = bundle.responseBody;
  }
}
