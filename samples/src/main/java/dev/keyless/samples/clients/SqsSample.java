package dev.keyless.samples.clients;

import dev.keyless.WebIdentityCredentialsProvider;
import dev.keyless.token.TokenSource;
import java.io.PrintStream;
import java.time.Instant;
import java.util.List;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * Sends a message to an SQS queue and receives it with credentials from Keyless, configured from the
 * environment (see {@link SampleSettings}).
 *
 * <pre>
 * AWS_ROLE_ARN=arn:aws:iam::123456789012:role/checkout-queue-worker AWS_REGION=eu-west-1 \
 * KEYLESS_TOKEN_AUDIENCE=112233445566778899001 \
 * SAMPLE_SQS_QUEUE_URL=https://sqs.eu-west-1.amazonaws.com/123456789012/checkout-orders \
 * java -cp keyless-samples.jar:... dev.keyless.samples.clients.SqsSample
 * </pre>
 *
 * The role needs only {@code sqs:SendMessage}, {@code sqs:ReceiveMessage} and {@code sqs:DeleteMessage} on
 * the queue.
 */
public final class SqsSample {

    private SqsSample() {
    }

    /**
     * Runs the sample with the environment's settings.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        SampleSettings settings = SampleSettings.fromEnvironment();
        run(settings, settings.tokenSource(), System.out);
    }

    /**
     * Runs the sample: one provider, one SQS client, one message sent, received and deleted; repeated with the
     * same provider and client every {@code SAMPLE_REPEAT_SECONDS} if set, reporting a failed round and going
     * on, as a long-running pod would.
     *
     * @param settings the settings
     * @param tokenSource the token source ({@code settings.tokenSource()} in production)
     * @param out where to report; never receives a key or token
     * @return the body of the message received in the last round
     * @throws SdkException if a round fails and the sample runs once
     */
    static String run(SampleSettings settings, TokenSource tokenSource, PrintStream out) {
        String queueUrl = settings.requireQueueUrl();
        try (WebIdentityCredentialsProvider provider = KeylessClients.credentialsProvider(settings, tokenSource);
             SqsClient sqs = KeylessClients.sqs(settings, provider).build()) {
            String received = null;
            do {
                try {
                    received = sendAndReceive(sqs, queueUrl, "Sent by " + provider.targetRoleArn() + " at " + Instant.now());
                    out.println("SQS: sent and received one message on " + queueUrl);
                    out.println("Credentials: " + KeylessClients.describe(provider.resolveCredentials(), Instant.now()));
                } catch (SdkException e) {
                    if (settings.repeatEvery() == null) {
                        throw e;
                    }
                    out.println("SQS failed, trying again in " + settings.repeatEvery().toSeconds() + " s: "
                            + e.getMessage());
                }
            } while (settings.pauseBeforeRepeating());
            return received;
        }
    }

    /**
     * Sends a message, receives one (waiting up to 5 s) and deletes it.
     *
     * @param sqs the client
     * @param queueUrl the queue
     * @param body the message body
     * @return the body received
     * @throws IllegalStateException if no message arrived
     */
    public static String sendAndReceive(SqsClient sqs, String queueUrl, String body) {
        sqs.sendMessage(m -> m.queueUrl(queueUrl).messageBody(body));
        List<Message> messages = sqs.receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(1)
                .waitTimeSeconds(5)).messages();
        if (messages.isEmpty()) {
            throw new IllegalStateException("No message arrived on " + queueUrl + " within 5 s of sending one.");
        }
        Message message = messages.get(0);
        sqs.deleteMessage(d -> d.queueUrl(queueUrl).receiptHandle(message.receiptHandle()));
        return message.body();
    }
}
