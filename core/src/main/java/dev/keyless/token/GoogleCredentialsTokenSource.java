package dev.keyless.token;

import com.google.auth.oauth2.GoogleCredentials;

/** Placeholder until the google-auth-library source lands. */
final class GoogleCredentialsTokenSource implements TokenSource {
    GoogleCredentialsTokenSource(GoogleCredentials credentials, String audience) {
    }

    static TokenSource applicationDefault(String audience) {
        return () -> {
            throw new UnsupportedOperationException();
        };
    }

    @Override
    public WebIdentityToken fetchToken() {
        throw new UnsupportedOperationException();
    }
}
