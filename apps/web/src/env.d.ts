declare module 'virtual:demo-personas' {
  const personas: unknown;
  export default personas;
}
