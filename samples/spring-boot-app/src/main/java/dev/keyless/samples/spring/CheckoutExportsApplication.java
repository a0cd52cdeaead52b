package dev.keyless.samples.spring;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A Spring Boot service on GKE that writes order exports to S3 and announces them on SQS. Its AWS clients
 * (Spring Cloud AWS's {@code S3Template} and {@code SqsTemplate}) get short-lived credentials from Keyless:
 * the only configuration is {@code keyless.role-arn} (or {@code AWS_ROLE_ARN}) and the projected token file
 * (or {@code AWS_WEB_IDENTITY_TOKEN_FILE}); see {@code application.yaml}.
 */
@SpringBootApplication
public class CheckoutExportsApplication {

    /**
     * Starts the service.
     *
     * @param args command-line arguments
     */
    public static void main(String[] args) {
        SpringApplication.run(CheckoutExportsApplication.class, args);
    }
}
