-- Progressive login throttling, per e-mail address (known or not, so that it reveals nothing).
CREATE TABLE login_failures (
    email TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    last_failure_at BIGINT NOT NULL
);
