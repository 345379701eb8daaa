/**
 * The special functions the drift tests' p-values need, in double precision. Written out here
 * (after Numerical Recipes, 3rd ed., §6.1-6.2 and §6.14) because no maintained npm package offers
 * them without a large dependency; the unit tests check them against scipy.
 */

const LANCZOS_COEFFICIENTS = [
  57.15623566586292, -59.59796035547549, 14.136097974741746, -0.4919138160976202, 3.399464998481189e-5,
  4.652362892704858e-5, -9.837447530487956e-5, 0.0001580887032249125, -0.00021026444172410488,
  0.00021743961811521265, -0.0001643181065367639, 8.441822398385275e-5, -2.6190838401581408e-5,
  3.6899182659531625e-6,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 607/128, relative error below 1e-15). */
export function logGamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`logGamma needs x > 0, not ${x}`);
  let y = x;
  const t = x + 5.2421875;
  const base = (x + 0.5) * Math.log(t) - t;
  let series = 0.9999999999999971;
  for (const coefficient of LANCZOS_COEFFICIENTS) series += coefficient / ++y;
  return base + Math.log((2.5066282746310007 * series) / x);
}

const MAX_ITERATIONS = 10_000;
const EPSILON = 1e-15;
const TINY = 1e-300;

/**
 * Q(a, x) = Γ(a, x) / Γ(a), the regularized upper incomplete gamma function: by its series
 * below x = a + 1, by Lentz's continued fraction above, where each converges fast.
 */
export function upperRegularizedGamma(a: number, x: number): number {
  if (!(a > 0) || x < 0) throw new RangeError(`upperRegularizedGamma needs a > 0 and x >= 0`);
  if (x === 0) return 1;
  const logPrefix = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < MAX_ITERATIONS; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * EPSILON) break;
    }
    return Math.max(0, 1 - sum * Math.exp(logPrefix));
  }
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let fraction = d;
  for (let n = 1; n < MAX_ITERATIONS; n++) {
    const an = -n * (n - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const step = d * c;
    fraction *= step;
    if (Math.abs(step - 1) < EPSILON) break;
  }
  return Math.exp(logPrefix) * fraction;
}

/** P(χ² > x) with `degreesOfFreedom` degrees of freedom. */
export function chiSquareSurvival(x: number, degreesOfFreedom: number): number {
  if (x <= 0) return 1;
  return upperRegularizedGamma(degreesOfFreedom / 2, x / 2);
}

/**
 * P(K > λ) for Kolmogorov's limiting distribution: 2 Σ (-1)^(k-1) exp(-2 k² λ²). The series is
 * alternating and converges in a few terms past λ ≈ 0.3; below that the probability is 1 to
 * double precision (the complementary series, √(2π)/λ Σ exp(-(2k-1)² π² / (8 λ²)), gives P(K ≤ λ)).
 */
export function kolmogorovSurvival(lambda: number): number {
  if (lambda <= 0) return 1;
  if (lambda < 1) {
    let cdf = 0;
    for (let k = 1; k < 100; k++) {
      const term = Math.exp((-((2 * k - 1) ** 2) * Math.PI ** 2) / (8 * lambda * lambda));
      cdf += term;
      if (term < EPSILON * cdf) break;
    }
    return Math.min(1, Math.max(0, 1 - (Math.sqrt(2 * Math.PI) / lambda) * cdf));
  }
  let sum = 0;
  for (let k = 1; k < 100; k++) {
    const term = Math.exp(-2 * k * k * lambda * lambda);
    sum += k % 2 === 1 ? term : -term;
    if (term < EPSILON * Math.abs(sum)) break;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}
