package dev.keyless.samples.aws;

import dev.keyless.WebIdentityCredentialsProvider;
import java.io.PrintStream;
import java.util.function.Function;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.SqsClientBuilder;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * Sends a message to an SQS queue and receives it with federated credentials. Settings: {@link Federation},
 * plus {@code SQS_QUEUE_URL}.
 */
public final class SqsSample {

    private SqsSample() {
    }

    /**
     * Runs the sample with the process environment.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        run(System::getenv, System.out);
    }

    /**
     * Runs the sample.
     *
     * @param env the environment
     * @param out where to report
     * @return the body of the message received
     */
    public static String run(Function<String, String> env, PrintStream out) {
        Federation federation = new Federation(env);
        String queueUrl = env.apply("SQS_QUEUE_URL");
        try (WebIdentityCredentialsProvider provider = federation.provider();
             SqsClient sqs = client(federation, provider)) {
            sqs.sendMessage(r -> r.queueUrl(queueUrl).messageBody("Hello from a keyless pod"));
            Message message = sqs.receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(1).waitTimeSeconds(5))
                    .messages().get(0);
            sqs.deleteMessage(r -> r.queueUrl(queueUrl).receiptHandle(message.receiptHandle()));
            out.println("Sent and received a message on " + queueUrl + ": " + message.body());
            return message.body();
        }
    }

    private static SqsClient client(Federation federation, WebIdentityCredentialsProvider provider) {
        SqsClientBuilder builder = SqsClient.builder()
                .credentialsProvider(provider)
                .region(federation.region())
                .httpClientBuilder(UrlConnectionHttpClient.builder());
        federation.endpoint().ifPresent(builder::endpointOverride);
        return builder.build();
    }
}
