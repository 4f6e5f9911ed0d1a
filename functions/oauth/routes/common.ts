export const tags = ['Connections'];

