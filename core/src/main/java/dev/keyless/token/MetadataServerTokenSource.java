package dev.keyless.token;

/** Placeholder until the metadata-server source lands. */
final class MetadataServerTokenSource implements TokenSource {
    private final String audience;

    MetadataServerTokenSource(String audience) {
        this.audience = audience;
    }

    @Override
    public WebIdentityToken fetchToken() {
        throw new UnsupportedOperationException("metadata server " + audience);
    }
}
