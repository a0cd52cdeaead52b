package dev.keyless.samples.spring;

import io.awspring.cloud.s3.S3Template;
import io.awspring.cloud.sqs.operations.SqsTemplate;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/** {@code POST /exports/{id}}: stores the body in S3 and sends the object's key to SQS. */
@RestController
class ExportController {

    private final S3Template s3;
    private final SqsTemplate sqs;
    private final String bucket;
    private final String queue;

    ExportController(S3Template s3, SqsTemplate sqs, @Value("${checkout.exports.bucket}") String bucket,
            @Value("${checkout.exports.queue}") String queue) {
        this.s3 = s3;
        this.sqs = sqs;
        this.bucket = bucket;
        this.queue = queue;
    }

    @PostMapping("/exports/{id}")
    Map<String, String> export(@PathVariable("id") String id, @RequestBody String body) {
        String key = "exports/" + id + ".json";
        s3.upload(bucket, key, new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)));
        sqs.send(to -> to.queue(queue).payload(key));
        return Map.of("bucket", bucket, "key", key);
    }
}
