package dev.keyless.token;

/** Placeholder until detection lands. */
final class DetectingTokenSource implements TokenSource {
    DetectingTokenSource(String audience) {
    }

    @Override
    public WebIdentityToken fetchToken() {
        throw new UnsupportedOperationException();
    }
}
