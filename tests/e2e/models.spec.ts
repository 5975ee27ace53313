// The Models area end to end in Chromium against `orrery serve`: an ONNX file built in the test (a small MLP ending
// in Softmax, with class labels in its metadata) is registered → staged, aliased, its model card opened → inspected
// → run on a JSON tensor (top-k with labels) and on a CSV row of the wrong width (the expected signature) →
// benchmarked over threads × batch sizes with the latency histogram and the threads chart drawn → a second version
// benchmarked and compared with the first.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { encodeModel, mlpModel } from '../unit/main/services/models/onnx-builder';
import { expect, projectPath, runCommand, screenshot, test } from './fixtures';


test.describe('models area in Chromium', () => {
  test.setTimeout(180_000);

  test('register a file model → inspect → infer with top-k → benchmark with the histogram drawn', async ({ page, orrery }, testInfo) => {
    await page.setViewportSize({ width: 1500, height: 950 });
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.stack ?? String(error)));
    await page.goto(orrery.url);
    const project = await projectPath(page, orrery.projectsDir);
    const file = path.join(project, 'iris-mlp.onnx');
    writeFileSync(file, encodeModel(mlpModel({ sizes: [4, 16, 3], softmax: true, metadata: { labels: 'setosa,versicolor,virginica' } })));

    await page.getByRole('button', { name: 'Models', exact: true }).click();
    const area = page.getByRole('region', { name: 'Models area' });
    await expect(area).toBeVisible();
    await expect(area.getByRole('navigation', { name: 'Models' })).toContainText('No model registered yet.');

    // 1. Register the file; the version opens on its overview.
    const register = area.getByRole('form', { name: 'Register a model file' });
    await register.getByLabel('Model name').fill('iris');
    await register.getByLabel('File', { exact: true }).fill(file);
    await register.getByRole('button', { name: 'Register' }).click();
    const facts = area.getByRole('region', { name: 'Version facts' });
    await expect(facts.getByRole('heading', { name: 'iris v1' })).toBeVisible();
    await expect(facts).toContainText('iris-mlp.onnx');
    await facts.getByLabel('Stage').selectOption('staging');
    await expect(area.getByRole('navigation', { name: 'Models' })).toContainText('staging');
    await facts.getByLabel('Alias').fill('champion');
    await facts.getByRole('button', { name: 'Set alias' }).click();
    await expect(area.getByRole('navigation', { name: 'Models' })).toContainText('@champion');
    await screenshot(page, testInfo, '01-overview');
    // The model card opens in a new tab.
    const popup = page.waitForEvent('popup');
    await facts.getByRole('button', { name: 'Open model card' }).click();
    const card = await popup;
    await expect(card.locator('body')).toContainText('iris');
    await expect(card.locator('body')).toContainText('staging');
    await card.close();

    // 2. Inspection: signature, operators, parameters, metadata.
    await area.getByRole('tab', { name: 'Inspect' }).click();
    const inspection = area.getByRole('region', { name: 'ONNX inspection' });
    await expect(inspection.getByRole('table', { name: 'Inputs' })).toContainText('[batch, 4]');
    await expect(inspection.getByRole('table', { name: 'Outputs' })).toContainText('[batch, 3]');
    await expect(inspection.getByRole('table', { name: 'Operators' })).toContainText('MatMul');
    await expect(inspection.getByRole('table', { name: 'Metadata' })).toContainText('setosa,versicolor,virginica');
    // 4×16 + 16 + 16×3 + 3 parameters.
    await expect(inspection).toContainText('131');
    await screenshot(page, testInfo, '02-inspect');

    // 3. Inference on a JSON tensor: top-k with labels; a CSV row of the wrong width: the expected signature.
    await runCommand(page, 'run model inference', 'Run Model Inference');
    const infer = area.getByRole('region', { name: 'Inference' });
    await infer.getByLabel(/Tensors/).fill('{"x": {"dims": [1, 4], "data": [5.1, 3.5, 1.4, 0.2]}}');
    await infer.getByRole('button', { name: 'Predict' }).click();
    const topK = infer.getByRole('table', { name: 'Top-k' });
    await expect(topK).toContainText(/setosa|versicolor|virginica/);
    await expect(infer.getByRole('status')).toContainText(/Answered in [\d.]+ ms/);
    await screenshot(page, testInfo, '03-infer');
    await infer.getByLabel('CSV row').check();
    await infer.getByLabel(/CSV row \(/).fill('1, 2, 3');
    await infer.getByRole('button', { name: 'Predict' }).click();
    await expect(infer.getByRole('alert')).toContainText('Input x has shape [1, 3]; the model expects');
    await expect(topK).toHaveCount(0);
    await screenshot(page, testInfo, '03b-wrong-shape');

    // 4. A benchmark over 1, 2 threads × batch 1, 8: four rows, the histogram and the threads chart drawn.
    await area.getByRole('tab', { name: 'Benchmark' }).click();
    const bench = area.getByRole('region', { name: 'Latency benchmark' });
    await bench.getByLabel('Iterations').fill('60');
    await bench.getByLabel('Warm-up').fill('5');
    await bench.getByRole('button', { name: 'Run benchmark' }).click();
    const rows = bench.getByRole('table', { name: 'Benchmark results' }).locator('tbody tr');
    await expect(rows).toHaveCount(4, { timeout: 60_000 });
    const histogram = bench.getByTestId('latency-histogram');
    await expect(histogram.locator('.recharts-bar-rectangle').first()).toBeVisible();
    await expect(bench.getByTestId('threads-chart').locator('.recharts-line')).toHaveCount(2);
    await bench.getByRole('button', { name: 'Histogram of 1 threads × batch 1' }).click();
    await expect(histogram).toContainText('1 thread × batch 1');
    await screenshot(page, testInfo, '04-bench');

    // 5. A wider second version, benchmarked too: the two versions compared by their fastest setting.
    const wide = path.join(project, 'iris-wide.onnx');
    writeFileSync(wide, encodeModel(mlpModel({ sizes: [4, 256, 256, 3], softmax: true, seed: 2 })));
    await register.getByLabel('File', { exact: true }).fill(wide);
    await register.getByRole('button', { name: 'Register' }).click();
    await expect(area.getByRole('navigation', { name: 'Models' }).getByRole('button', { name: /^v2/ })).toHaveAttribute('aria-current', 'page');
    await area.getByRole('tab', { name: 'Benchmark' }).click();
    await expect(bench).toContainText('No benchmark of this version yet.');
    await bench.getByLabel('Iterations').fill('60');
    await bench.getByLabel('Warm-up').fill('5');
    await bench.getByRole('button', { name: 'Run benchmark' }).click();
    await expect(rows).toHaveCount(4, { timeout: 60_000 });
    const across = bench.getByRole('table', { name: 'Benchmarks across versions' }).locator('tbody tr');
    await expect(across).toHaveCount(2);
    await expect(across.filter({ hasText: 'v1' })).toHaveCount(1);
    await expect(across.filter({ hasText: 'v2' })).toHaveCount(1);
    await screenshot(page, testInfo, '05-versions-compared');
    expect(pageErrors).toEqual([]);
  });
});
