package dev.topiary.train;

/**
 * Learning rate at each step: linear warmup from 0 to {@code lr} over {@code warmup} steps, then
 * cosine decay to {@code minLr} at {@code total} steps (constant after).
 * {@code lr(s) = lr * (s + 1) / warmup} for s < warmup; then with progress
 * {@code q = (s - warmup) / (total - warmup)}: {@code minLr + (lr - minLr) * (1 + cos(pi q)) / 2}.
 */
public record Schedule(float lr, float minLr, int warmup, int total) {
    public Schedule {
        if (!(lr > 0)) throw new IllegalArgumentException("--lr must be > 0, got " + lr);
        if (minLr < 0 || minLr > lr) throw new IllegalArgumentException("--min-lr must be in [0, lr], got " + minLr);
        if (warmup < 0) throw new IllegalArgumentException("--warmup must be >= 0, got " + warmup);
    }

    public float at(long step) {
        if (step < warmup) return lr * (step + 1) / warmup;
        if (step >= total || total <= warmup) return minLr;
        double q = (double) (step - warmup) / (total - warmup);
        return (float) (minLr + (lr - minLr) * 0.5 * (1 + Math.cos(Math.PI * q)));
    }
}
