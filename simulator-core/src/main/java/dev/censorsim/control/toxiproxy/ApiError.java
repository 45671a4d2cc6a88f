package dev.censorsim.control.toxiproxy;

/** A request Toxiproxy would refuse: its status code and the message of its {@code {"error", "status"}} body. */
final class ApiError extends Exception {

    private final int status;

    ApiError(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    static ApiError badBody(String detail) {
        return new ApiError(400, "bad request body: " + detail);
    }

    static ApiError missingField(String field) {
        return new ApiError(400, "missing required field: " + field);
    }

    static ApiError proxyNotFound() {
        return new ApiError(404, "proxy not found");
    }

    static ApiError toxicNotFound() {
        return new ApiError(404, "toxic not found");
    }

    int status() {
        return status;
    }
}
