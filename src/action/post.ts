export async function cleanup(): Promise<void> {}
